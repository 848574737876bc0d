/*
 * host_json.h: a host descriptor (vmdrv_host) as JSON and back, so the
 * runner can hand the host it probed or loaded once to each case process
 * (`vmdrv __case`), which then need not probe or parse a profile again.
 */
#ifndef VC_HOST_JSON_H
#define VC_HOST_JSON_H

#include <jansson.h>

#include "vmdrv/host.h"

/* A new object with every field of h (enums by name, tools by program). */
json_t *vc_host_to_json(const vmdrv_host *h);

/*
 * Fill h from j. 0, or -1 with the reason in err (an unknown name, a
 * missing field or a string too long for its field).
 */
int vc_host_from_json(const json_t *j, vmdrv_host *h, char *err,
                      size_t err_size);

#endif
