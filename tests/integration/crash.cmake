# kill -9 crash test of the log core (owned with crash_appender.c and
# test_crash.py; docs/testing.md). Included from
# tests/integration/CMakeLists.txt. crash_appender is a real process on the
# real ledger library; test_crash.py SIGKILLs it mid-append, round after
# round on one store, and checks every acknowledged entry survived and the
# store still audits. LIEN_CRASH_ROUNDS raises the default 25 rounds.
add_executable(crash_appender ${CMAKE_CURRENT_LIST_DIR}/crash_appender.c)
target_link_libraries(crash_appender PRIVATE lien_ledger Threads::Threads)
if(TARGET lienlog)
	set(lien_crash_lienlog --lienlog $<TARGET_FILE:lienlog>)
else()
	set(lien_crash_lienlog)
endif()
add_test(NAME integration.crash
	COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_crash.py
		--appender $<TARGET_FILE:crash_appender> ${lien_crash_lienlog})
set_tests_properties(integration.crash PROPERTIES LABELS integration
	TIMEOUT 900)
