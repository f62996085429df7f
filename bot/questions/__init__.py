"""Answers from the guidance: retrieval, the question desk, intents and their texts."""
