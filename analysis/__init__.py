"""Analysis of result folders (plots; later comparison, sensitivity, reports): reads files, never runs a model."""
