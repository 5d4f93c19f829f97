"""Opening inputs and writing outputs: compression, stdin/stdout, URLs, atomic writes."""
