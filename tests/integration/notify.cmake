# Notices and due-release reminders by SMS (api/notify.c, docs/notices.md):
# `lienlogd --demo` delivering to the demo's local gateway
# (scripts/sms_gateway.py) across a kill -9 of lienlogd and the gateway
# going down and back; every notice the log implies arrives under its
# dedup key; then `lienlog audit`. Included from
# tests/integration/CMakeLists.txt.
if(TARGET lienlogd AND TARGET lienlog)
	add_test(NAME integration.notify
		COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_notify.py
			--lienlogd $<TARGET_FILE:lienlogd>
			--lienlog $<TARGET_FILE:lienlog>
			--gateway ${PROJECT_SOURCE_DIR}/scripts/sms_gateway.py)
	set_tests_properties(integration.notify PROPERTIES
		LABELS integration TIMEOUT 900)
endif()
