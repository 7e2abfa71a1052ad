"""Detection: the face landmark model (found and verified), the one adapter around MediaPipe
(``landmarks``: only it imports mediapipe), and a photo measured over augmented views."""
