/* placeholder: src/http/response.c */
