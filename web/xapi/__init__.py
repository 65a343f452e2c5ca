"""`/api/v1/xapi`: the overview's xAPI statements, analytics and LRS credentials."""
