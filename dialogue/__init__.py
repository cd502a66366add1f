"""Turn pipeline: understanding, grounded generation, claim verification, handoff, transcripts."""
