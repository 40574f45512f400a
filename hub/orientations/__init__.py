"""Strategic orientations: what national bodies ask the network to work on, and who serves them."""
