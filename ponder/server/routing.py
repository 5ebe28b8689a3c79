"""Which way a chat request is answered: thinking (ponder's engine), proxy (bytes to the backend and
back), generate (the model's own answer) or continue (a final assistant message, raw)."""

from __future__ import annotations

from ponder.server import protocol as p
from ponder.server.errors import bad_request
from ponder.server.models import ServedModel


def mode_of(request: p.ChatRequest, served: ServedModel) -> str:
    """thinking, proxy, generate or continue. Tool calls are the backend's business: a request with tools
    goes to it as sent (reasoning_effort included, for backends that reason natively)."""
    if request.tools:
        if served.proxy is None:
            raise bad_request(f"model {served.name!r} does not call tools; serve a backend that does", "tools")
        return "proxy"
    if request.continue_final_message:
        return "proxy" if served.proxy else continuable(request, served)
    thinks = served.generator.capabilities.thinks
    if request.thinking and not (thinks and request.ponder is None):
        return "thinking"
    if request.thinking:
        return "generate"  # a model that thinks answers reasoning_effort itself: one chain, its length set by the effort
    return "proxy" if served.proxy else "generate"


def continuable(request: p.ChatRequest, served: ServedModel) -> str:
    """`continue`, or a 400 saying why this request cannot continue a message here."""
    if not served.generator.capabilities.continues:
        raise bad_request(f"model {served.name!r} cannot continue a final assistant message", "continue_final_message")
    if request.messages[-1].role != "assistant":
        raise bad_request("continue_final_message needs the last message to be the assistant's", "messages")
    if request.add_generation_prompt:
        raise bad_request("continue_final_message and add_generation_prompt cannot both be true", "add_generation_prompt")
    if request.thinking:
        raise bad_request("continue_final_message continues raw text: drop reasoning_effort and ponder", "continue_final_message")
    return "continue"
