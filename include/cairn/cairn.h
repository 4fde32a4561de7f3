// The whole public authoring API in one include: what workflow and activity code needs.
#pragma once

#include "cairn/activity.h"
#include "cairn/combinators.h"
#include "cairn/errors.h"
#include "cairn/json.h"
#include "cairn/options.h"
#include "cairn/registry.h"
#include "cairn/saga.h"
#include "cairn/status.h"
#include "cairn/tables.h"
#include "cairn/task.h"
#include "cairn/workflow.h"
