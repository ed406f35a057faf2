"""Shade advisor: measure a face's colours, recommend shades with reasons, navigate between shades."""
