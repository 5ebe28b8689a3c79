"""See ponder/games/__init__.py for what this layer holds."""
