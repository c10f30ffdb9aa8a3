"""The staff workbench: the home page each role lands on. It reads from every area, so it sits above them all
in the import layers (issue 13); the areas never import it."""
