"""An edition's HTML: the theme chain, its templates and CSS, the renderer."""
