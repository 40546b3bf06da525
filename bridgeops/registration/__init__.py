"""Registration of bridge points and their delegates by district chairs and officers."""
