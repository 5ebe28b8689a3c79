"""`ponder serve` serving ponder-think (o1 semantics) through the official openai SDK, on a real server."""

from processes import COUNTDOWN


def test_reasoning_effort_sets_the_thought_length_and_usage_counts_reasoning_tokens(client):
    short = client.chat.completions.create(model="ponder-think", messages=[{"role": "user", "content": COUNTDOWN}],
                                           reasoning_effort="minimal", temperature=0, seed=1)
    details = short.usage.completion_tokens_details
    assert details is not None and 0 < details.reasoning_tokens <= 64 + 1  # the thought and its closing marker
    assert short.choices[0].message.model_extra["reasoning"]
    assert short.usage.completion_tokens > details.reasoning_tokens  # the answer follows the thought
    account = (short.model_extra or {})["ponder"]  # the model thinks itself: one chain, its budget set by the effort
    assert account["strategy"] == "think" and account["effort"] == "minimal" and account["budget"]["thinking_tokens"] == 64
    assert account["task"] == "countdown" and account["spend"]["completion_tokens"] == short.usage.completion_tokens


def test_max_completion_tokens_caps_thinking_plus_answer(client):
    response = client.chat.completions.create(model="ponder-think", messages=[{"role": "user", "content": COUNTDOWN}],
                                              reasoning_effort="high", max_completion_tokens=40, n=3, seed=2)
    assert len(response.choices) == 3
    assert response.usage.completion_tokens <= 3 * 40


def test_the_models_list_names_both_embedded_models(client):
    names = {model.id for model in client.models.list().data}
    assert {"ponder-tiny", "ponder-think"} <= names


def test_the_thought_streams_as_delta_reasoning_before_the_answer(client):
    ask = dict(model="ponder-think", messages=[{"role": "user", "content": COUNTDOWN}], reasoning_effort="low", temperature=0, seed=3)
    whole = client.chat.completions.create(**ask)
    reasoning, content, order = [], [], []
    for event in client.chat.completions.create(**ask, stream=True):
        for choice in event.choices:
            piece = (choice.delta.model_extra or {}).get("reasoning")
            if piece:
                reasoning.append(piece)
                order.append("r")
            if choice.delta.content:
                content.append(choice.delta.content)
                order.append("c")
    assert len(reasoning) > 3 and order[-1] == "c" and "c" not in order[:-1]  # many thought pieces, then the answer
    assert "".join(reasoning).rstrip("\n") == whole.choices[0].message.model_extra["reasoning"]
    assert "".join(content) == whole.choices[0].message.content
