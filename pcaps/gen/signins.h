/* Sign-in logs beside the subject scenarios' captures: what the identity
 * provider recorded of the same people (Okta System Log lines, Entra ID
 * sign-in pages), from the same places at the same times. */
#ifndef SL_PCAPGEN_SIGNINS_H
#define SL_PCAPGEN_SIGNINS_H

/* Write every scenario's sign-in logs into dir as <scenario>.okta.jsonl and
 * <scenario>.entra.json.  Returns 0 or a negative errno (said on stderr). */
int sl_signins_write_all(const char *dir);

#endif
