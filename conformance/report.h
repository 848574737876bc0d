/*
 * report.h: rendering a conformance result (the JSON) into JUnit XML,
 * TAP 14, Markdown, HTML and a tar.gz bundle; and merging results.
 */
#ifndef VC_REPORT_H
#define VC_REPORT_H

#include <jansson.h>

/* Each returns an owned string. */
char *vc_render_junit(json_t *result);
char *vc_render_tap(json_t *result);
char *vc_render_markdown(json_t *result);
char *vc_render_html(json_t *result);
/* result.json (read from result_path), every cell's log, summary.md. */
int vc_write_bundle(json_t *result, const char *result_path, const char *out);

#endif
