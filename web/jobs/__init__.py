"""Jobs blueprint: clients poll background work here."""
