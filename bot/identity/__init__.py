"""Who is talking: link codes, conversation links and what a person may see."""
