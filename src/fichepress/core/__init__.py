"""The shared vocabulary (problems, findings, the project's folders) and the guards of every
file read or written."""
