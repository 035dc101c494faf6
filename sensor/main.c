/* sightline command line (placeholder until the CLI lands in this change). */
#include <stdio.h>
int main(void) { return 0; }
