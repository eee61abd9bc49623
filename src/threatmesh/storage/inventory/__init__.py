"""The asset inventory: hosts per organisation and the products (CPE 2.3) they run."""
