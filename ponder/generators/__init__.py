"""Generators (system 1): the protocol and its capabilities (`base.py`), the one model-spec parser
(`spec.py`), a backend per kind (`openai_http.py`, `hf_local.py`) and wrappers on one forwarding base.
`ponder.loading.load_generator` builds the generator a spec names."""
