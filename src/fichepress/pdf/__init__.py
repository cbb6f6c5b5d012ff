"""WeasyPrint's PDF and its finishing: print boxes and marks, the tagging repair, the content
reader."""
