"""The sources as data: YAML read with positions, validated into the typed model."""
