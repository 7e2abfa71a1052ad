"""Sources of frames: photo files now; camera, video and image folders as they land."""
