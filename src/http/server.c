/* placeholder: src/http/server.c */
