"""The run machinery: one chat turn's agent loop as a stream of run events, relayed to clients."""
