"""What our answers pass through in the host: headers, caching, rate limits, body limits, layout."""
