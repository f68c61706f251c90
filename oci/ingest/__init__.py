"""Discovery reports: from the agent's raw tool outputs to normalised facts (pure)."""
