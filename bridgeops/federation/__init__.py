"""National mode: provinces submit their frozen returns to TW, and TW consolidates them."""
