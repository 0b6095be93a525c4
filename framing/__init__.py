"""framewatch framing: concepts, relations, document labels, time series and validation."""
