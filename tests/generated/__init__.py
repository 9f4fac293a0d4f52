"""Generated RNN programs with their ground truth by construction (issue 21); see BASELINE.md."""
