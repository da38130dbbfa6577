# The log side of witnessing (witness/publisher.c, docs/witnessing.md).
# Included from tests/integration/CMakeLists.txt. test_witnessing.py runs
# three real `lienlog witness serve` and a real `lienlogd --demo` with a
# 2-of-3 witness policy on 127.0.0.1, grows the log with `lienlog load`
# while witnesses are down, hanging and restarted, and verifies every
# served checkpoint with Python `cryptography`.
if(TARGET lienlogd AND TARGET lienlog)
	add_test(NAME integration.witnessing
		COMMAND /usr/bin/python3
			${CMAKE_CURRENT_LIST_DIR}/test_witnessing.py
			$<TARGET_FILE:lienlogd> $<TARGET_FILE:lienlog>)
	set_tests_properties(integration.witnessing PROPERTIES
		LABELS integration TIMEOUT 600)
endif()
