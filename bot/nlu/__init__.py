"""Dutch language processing: the spaCy pipeline builder and entity normalisation."""
