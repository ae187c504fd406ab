/* banned.h - functions kring does not use: unbounded copies and formats.
 * Include it after all system headers in a .c file. */
#ifndef KR_BANNED_H
#define KR_BANNED_H

#define BANNED(f) sorry_##f##_is_banned_in_kring
#undef strcpy
#define strcpy(a, b) BANNED(strcpy)
#undef strcat
#define strcat(a, b) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef gets
#define gets(a) BANNED(gets)

#endif
