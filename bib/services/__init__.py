"""One client module per bibliographic service: fetch (network) apart from parse (pure)."""
