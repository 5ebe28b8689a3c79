"""A served ponder-think answer is always in the user's notation, or says plainly that none was found —
never the model's internal language — whole or streamed, at every effort (a real server, the openai SDK)."""

import re
from collections import Counter

import pytest

from ponder.embedded.think import NO_ANSWER
from ponder.verifiers.countdown import InvalidExpression, evaluate

PROBLEM = "Use the numbers 25, 4, 7 and 3 to make 100."
NUMBERS = [25, 4, 7, 3]


def readable(content: str) -> bool:
    """An expression over the given numbers (right or wrong), or the plain statement that none was found."""
    if content == NO_ANSWER:
        return True
    if not re.fullmatch(r"[\d+\-*/() ]+", content):
        return False
    try:
        _, used = evaluate(content)
    except InvalidExpression:
        return False
    return not Counter(used) - Counter(NUMBERS)


@pytest.mark.parametrize("effort", ["minimal", "low", "high"])
def test_every_served_answer_reads_in_the_users_notation(client, effort):
    reply = client.chat.completions.create(model="ponder-think", messages=[{"role": "user", "content": PROBLEM}],
                                           reasoning_effort=effort, n=4, seed=7)
    for choice in reply.choices:
        assert readable(choice.message.content), choice.message.content
    account = reply.model_extra["ponder"]
    assert account["strategy"] == "think" and len(account["choices"]) == 4


def test_a_streamed_answer_reads_in_the_users_notation_and_carries_the_account(client):
    stream = client.chat.completions.create(model="ponder-think", messages=[{"role": "user", "content": PROBLEM}],
                                            reasoning_effort="minimal", seed=7, stream=True)
    content, accounts = "", []
    for chunk in stream:
        for choice in chunk.choices:
            content += choice.delta.content or ""
        if (chunk.model_extra or {}).get("ponder"):
            accounts.append(chunk.model_extra["ponder"])
    assert readable(content), content
    assert len(accounts) == 1 and accounts[0]["effort"] == "minimal"
