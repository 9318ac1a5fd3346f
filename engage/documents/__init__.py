"""Documents: the brief, the letter in each format, the PDF renderer, exports and the doctor."""
