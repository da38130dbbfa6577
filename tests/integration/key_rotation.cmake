# Key rotation end to end (docs/key-rotation.md): freeze, genesis, the
# writer lock, sync with the new and the old key, witness key overlap.
# Real lienlogd / lienlog processes on 127.0.0.1.
if(TARGET lienlog AND TARGET lienlogd)
	add_test(NAME integration.key_rotation
		COMMAND /usr/bin/python3
			${CMAKE_CURRENT_LIST_DIR}/test_key_rotation.py
			$<TARGET_FILE:lienlogd> $<TARGET_FILE:lienlog>)
	set_tests_properties(integration.key_rotation PROPERTIES
		LABELS integration TIMEOUT 900)
endif()
