/* placeholder: src/codec/markdown.c */
