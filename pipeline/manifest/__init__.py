"""SCORM manifest extraction: `extract_manifest(xml_bytes, file_names, read_file) -> ManifestResult`.

Modules: `xml_safety` (safe lxml parsing), `version` (standard and edition),
`common` (resources, organizations, items), `scorm12` / `scorm2004` (their
item extensions), `sequencing` (IMS SS), `hrefs` (xml:base, parameters),
`lom` (metadata), `result` (`ManifestResult`), `extract` (the stage).

Decisions:
- A manifest with no element at all (Moodle's `validscorm` fixture holds only an XML
  declaration) imports as SCORM 1.2 with 0 SCOs, no organization, `launch_path` None
  and a `MANIFEST_EMPTY` warning: SOURCES.md says it must import, and there is nothing
  in it to refuse. A manifest that declares `<organizations>` without any
  `<organization>` is refused (`MANIFEST_INVALID`): it says there is a course and
  gives none.
- No usable `schemaversion`: the namespaces decide the standard; a 2004 edition is
  the oldest one defining every feature used (4th: adlcp:data/map, adlseq:objectives,
  completionThreshold attributes; 3rd: hideLMSUI suspendAll/exitAll/abandonAll,
  objectivesGlobalToSystem; else 2nd), with a `SCHEMAVERSION_MISSING` warning.
- A missing launch or listed file is a warning (`LAUNCH_FILE_MISSING`,
  `RESOURCE_FILES_MISSING`); an `identifierref` or sequencing `IDRef` naming nothing,
  an organization without identifier or title, an item without identifier, and
  repeated identifiers are errors (`MANIFEST_INVALID`, naming the element).
- An item whose resource resolves to an absolute URL (`https:`, `//host`, `javascript:`,
  `data:`, ...) is refused (`MANIFEST_LAUNCH_URL_REFUSED`): content is served from the
  tenant's content origin, where an external page cannot reach the SCORM API and a
  script URL would run in the player (see `common._launch_url_refused`). Resources no
  item launches may still point anywhere; they are only listed.
- Shapes beyond `xml_limits` (attributes per element, elements, depth, text sizes) are
  refused with their own codes before any stage reads the tree.
- Elements and attributes match by local name, case-insensitively, in any namespace
  (real packages misspell both); namespaces only separate imsss from adlseq.

`ManifestResult.to_dict()` — the stored form the player reads (format_version 1).
Keys are always present; values are None / [] when the manifest does not say.

    format_version        1 (bumped on any incompatible change)
    standard              "scorm12" | "scorm2004"
    edition               None (1.2) | "2nd" | "3rd" | "4th"
    label                 "SCORM 1.2" | "SCORM 2004 4th Edition"
    schemaversion         the raw <schemaversion> text or None
    identifier, version   <manifest identifier=… version=…>
    title                 default organization title (else LOM title, identifier, upload name)
    description           LOM general/description of the package (inline or adlcp:location),
                          else of the default organization
    default_organization  organization identifier (None only for an empty manifest)
    launch_item           identifier of the first launchable item of the default organization
    launch_path           that item's launch_href (None when nothing is launchable)
    sco_count             distinct SCO resources referenced by items
    organizations         [organization]
    resources             [resource]
    sequencing_collection {ID: sequencing} (2004; already merged into items)
    warnings              [{"code", "message", "details"?}]

    organization = {identifier, title, structure, objectives_global_to_system,
                    shared_data_global_to_system (2004 bools or None),
                    sequencing (2004, resolved, or None), items: [item]}

    item = {
      identifier, title, isvisible (bool, default True), parameters (raw or None),
      resource_identifier (identifierref or None for aggregations),
      scorm_type "sco" | "asset" | None, launchable (bool),
      launch_href   root-relative URL (resource xml:base + href + parameters, query and
                    fragment kept; '..' cannot leave the root); never absolute; None
                    when not launchable,
      # SCORM 1.2 (adlcp:*)
      prerequisites {"type", "expression"} | None, mastery_score float 0-100 | None,
      # both standards
      max_time_allowed  1.2 "HHHH:MM:SS" | 2004 ISO duration (limitConditions) | None,
      time_limit_action "exit,message" | "exit,no message" | "continue,message" |
                        "continue,no message" | None,
      data_from_lms     launch data string | None,
      # SCORM 2004
      completion_threshold        float for cmi.completion_threshold | None,
      completion_threshold_detail {completed_by_measure, min_progress_measure,
                                   progress_weight, value} as written | None,
      scaled_passing_score        primary objective minNormalizedMeasure when
                                  satisfiedByMeasure | None,
      shared_data   [{target_id, read_shared_data, write_shared_data}] (adlcp:data/map),
      presentation  {"hide_lms_ui": [...]} | None,
      sequencing    resolved sequencing | None,
      children      [item]
    }

    resource = {identifier, type, scorm_type "sco"|"asset", href (as written), base,
                url (resolved), external (bool), files [paths], dependencies [ids]}

    sequencing (only what the manifest states; absent = SN book default; attribute
    names snake_case, values typed) = {
      control_mode {choice, choice_exit, flow, forward_only,
                    use_current_attempt_objective_info, use_current_attempt_progress_info},
      sequencing_rules {pre_condition|exit_condition|post_condition: [
          {condition_combination "all"|"any", action,
           conditions [{condition, operator, referenced_objective, measure_threshold}]}]},
      limit_conditions {attempt_limit, attempt_absolute_duration_limit},
      auxiliary_resources [{auxiliary_resource_id, purpose}],
      rollup_rules {rollup_objective_satisfied, rollup_progress_completion,
                    objective_measure_weight, rules [{child_activity_set, minimum_count,
                    minimum_percent, condition_combination (default "any"), action,
                    conditions [{condition, operator}]}]},
      objectives {primary: objective | None, secondary: [objective]},
          objective = {objective_id, satisfied_by_measure, min_normalized_measure,
                       map_info [{target_objective_id, read_satisfied_status,
                       read_normalized_measure, write_satisfied_status,
                       write_normalized_measure}]}
      randomization_controls {randomization_timing, select_count, reorder_children,
                              selection_timing},
      delivery_controls {tracked, completion_set_by_content, objective_set_by_content},
      constrained_choice_considerations {prevent_activation, constrain_choice},
      rollup_considerations {required_for_satisfied, required_for_not_satisfied,
                             required_for_completed, required_for_incomplete,
                             measure_satisfaction_if_active},
      adl_objectives [{objective_id, map_info [{target_objective_id, read_raw_score, …,
                      write_progress_measure}]}]   (adlseq:objectives, 4th edition),
      id_ref  the sequencingCollection ID it was merged from, when any
    }
"""

from __future__ import annotations

from pipeline.manifest.extract import extract_manifest
from pipeline.manifest.result import ManifestResult

__all__ = ["ManifestResult", "extract_manifest"]
