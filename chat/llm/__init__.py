"""The model side: the agent, which model it talks to, the built-in offline model, failures."""
