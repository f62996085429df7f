"""The covenant guidance: content files, text analysis, retrieval and answers."""
