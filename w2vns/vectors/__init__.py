"""Trained vectors: ``KeyedVectors`` (queries) and the file formats it reads and writes
(word2vec binary and text in ``formats``, the memory-mapped .w2vns folder in ``native``)."""
from .keyed import KeyedVectors, convert, format_for_path

__all__ = ["KeyedVectors", "convert", "format_for_path"]
