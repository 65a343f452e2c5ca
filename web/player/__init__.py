"""The learner player: launch, SCORM runtime commits, content delivery and the status rules behind them."""
