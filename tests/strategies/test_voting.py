from ponder.strategies.voting import decided, tally, vote_key, winner


def test_equal_numbers_vote_together():
    assert tally(["1,000", "1000", "1000.0", "999", None]) == {"1000": 3.0, "999": 1.0}
    assert vote_key("0.50") == vote_key("1/2")


def test_weighted_tally_sums_scores():
    assert tally(["7", "8", "7"], [0.2, 0.9, 0.3]) == {"7": 0.5, "8": 0.9}


def test_winner_breaks_ties_by_first_appearance():
    assert winner({"5": 2.0, "6": 2.0}) == "5"
    assert winner({}) is None


def test_decided_only_when_the_leader_cannot_be_caught():
    assert decided([6, 2], remaining=3)
    assert not decided([6, 2], remaining=4)  # 2 + 4 = 6 could tie
    assert decided([], remaining=0)
    assert not decided([], remaining=1)
