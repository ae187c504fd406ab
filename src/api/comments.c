/* placeholder: src/api/comments.c */
