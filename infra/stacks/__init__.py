"""The service's stacks, one per architectural part."""
