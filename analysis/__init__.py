"""Analysis of result folders (plots, comparisons, summaries, sensitivity, reports): reads files,
never runs a model."""
