"""Hybrid (dense + lexical) search over products and documents, in Chinese and English."""
