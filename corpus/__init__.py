"""framewatch corpus: the document store, de-duplication, scope, the monthly update and the command line."""
